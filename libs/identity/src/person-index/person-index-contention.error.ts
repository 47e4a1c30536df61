/** Raised when the persons holding a subject's identifiers keep changing under concurrent merges. */
export class PersonIndexContentionError extends Error {
  readonly code = 'person-index-contention';
  constructor(readonly attempts: number) {
    super(`The persons holding the subject's identifiers changed ${attempts} times while being locked; try again`);
    this.name = 'PersonIndexContentionError';
  }
}
