/** DI token of the {@link DeliusPartnerSettings} of this instance's partner. */
export const DELIUS_PARTNER_SETTINGS = Symbol('DELIUS_PARTNER_SETTINGS');
