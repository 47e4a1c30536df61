/** DI token of the {@link ProviderPartnerSettings} of this instance's partner. */
export const PROVIDER_PARTNER_SETTINGS = Symbol('PROVIDER_PARTNER_SETTINGS');
