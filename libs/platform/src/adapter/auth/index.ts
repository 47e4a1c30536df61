export * from './partner-auth-settings';
export * from './client-credentials.token-source';
export * from './bearer-token.verifier';
export * from './inbound-auth.guard';
export * from './sns-signature.verifier';
export * from './partner-token-source';
export * from './self-signed-certificate';
