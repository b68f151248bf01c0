// The emulated Step Functions service, by concern:
//   service.ts        the service: state machines, action dispatch, the actions
//   request.ts        request fields, names, ARNs, input size; the JSON 1.0 answer
//   errors.ts         modeled errors          paging.ts   List*/history paging tokens
//   run.ts            the run of one execution (fresh or resumed) and its end
//   history.ts        history events from the library's log      journal.ts  persistence, one journal per execution
//   tasks.ts          Lambda tasks: handlers, overrides            time-scaling.ts  Waits and Retries by the clock
//   library-hooks.ts  the hooks into aws-local-stepfunctions       json-text.ts  JSON text of data of any depth
//   model.ts          types                                        status-events.ts  the EventBridge status-change event
// This file is the public API, the one `local/aws/stepfunctions.js` import path of the code that uses it.
export { StepFunctionsError } from './errors.js';
export type { HandlerSource, StateMachineSpec, StepFunctionsOptions } from './model.js';
export { DEFAULT_STATE_MACHINE_NAME, StepFunctionsService } from './service.js';
export { type EventBridgeEvent, STATUS_CHANGE_DETAIL_TYPE, statusChangeEvent } from './status-events.js';
export { loadProjectStateHandlers, requireHandler, STATE_HANDLER_FILES, taskFunctionsOf } from './tasks.js';
export { resolveSimplePath } from './time-scaling.js';
