/**
 * libs/policy — Information-sharing agreements: loading, evaluation and redaction as pure functions (the hub issue).
 * Nothing is exported yet: this lib is laid out so the layering (see .dependency-cruiser.cjs) holds from the start.
 */
export {};
