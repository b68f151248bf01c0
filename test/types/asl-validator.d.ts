// asl-validator ships no type declarations; this is the part of its API the tests use.
declare module 'asl-validator' {
  interface AslValidatorResult {
    isValid: boolean;
    errors: unknown[];
  }
  const aslValidator: (definition: unknown) => AslValidatorResult;
  export default aslValidator;
}
