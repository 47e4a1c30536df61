/**
 * libs/identity — NHS number, CRN, PNC ID, CRO number and Common Platform defendant id: parsing, check digits, and the person index that links identifiers (the contracts issue).
 * Nothing is exported yet: this lib is laid out so the layering (see .dependency-cruiser.cjs) holds from the start.
 */
export {};
