/**
 * libs/audit — The append-only, hash-chained audit of every disclosure and refusal (the hub issue).
 * Nothing is exported yet: this lib is laid out so the layering (see .dependency-cruiser.cjs) holds from the start.
 */
export {};
