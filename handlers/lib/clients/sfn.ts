// One SFNClient per container. Region, credentials and endpoint (AWS_ENDPOINT_URL locally) come from the environment.
//
// cacheMiddleware: each command's middleware stack is resolved once per container instead of on every call (nothing
// here adds middleware after the first call, which is what that gives up). POST /exports makes two calls per
// request on a warm container; measured by bench/post-latency.ts on 2 idle cores, it takes the wall-clock p99 from
// 1.7-4.6 ms to 1.3-1.5 ms and the p50 from 0.9 to 0.7 ms (README "POST /exports latency (warm)").
import { SFNClient } from '@aws-sdk/client-sfn';

export const sfn = new SFNClient({ cacheMiddleware: true });
