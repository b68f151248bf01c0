// The Step Functions emulator's modeled errors: what the JSON 1.0 wire answers as `{"__type", "message"}`. The
// service and its request readers throw these; anything else becomes a 500 InternalServerError.

/** A modeled Step Functions error: `{"__type": type, "message": message}` with HTTP 400. */
export class StepFunctionsError extends Error {
  public constructor(
    public readonly type: string,
    message: string,
    public readonly status = 400,
  ) {
    super(message);
    this.name = 'StepFunctionsError';
  }
}

export const validation = (message: string): StepFunctionsError =>
  new StepFunctionsError('ValidationException', message);
