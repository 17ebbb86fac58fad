// Failures the person running the generator can fix (a script, a missing
// tool or build): shown as their message alone, without a stack trace.

/** A failure with a message that says what to fix. */
export class Problem extends Error {}
