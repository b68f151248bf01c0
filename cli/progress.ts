// The progress of `export --wait`: on a terminal one live line, redrawn in place (log-update) and ticking every
// second; otherwise (a pipe, CI logs) one plain line per status change, so logs stay readable.
import { createLogUpdate } from 'log-update';
import type { OutputStream } from './io.js';
import { formatBytes, formatDuration, plural } from './render.js';

export interface ProgressState {
  status: string;
  /** Seconds since the export started (its startedAt). */
  elapsedSeconds: number;
  polls: number;
  /** Known once the export has ended: GET /exports/{id} shows the objects only in the outcome. */
  objects?: number | undefined;
  bytes?: number | undefined;
}

export interface Progress {
  update(state: ProgressState): void;
  /** Writes the last state for good and stops any redrawing. */
  done(state: ProgressState): void;
}

export const progressLine = (state: ProgressState): string =>
  [
    state.status,
    `${formatDuration(state.elapsedSeconds)} elapsed`,
    plural(state.polls, 'poll'),
    ...(state.objects !== undefined ? [`${plural(state.objects, 'object')} landed`] : []),
    ...(state.bytes !== undefined ? [formatBytes(state.bytes)] : []),
  ].join(' · ');

/** The live line, redrawn on every update and once a second in between (elapsed keeps counting). */
const liveProgress = (stream: OutputStream): Progress => {
  // log-update only writes and reads `columns`/`rows`; our OutputStream has what it uses.
  const render = createLogUpdate(stream as NodeJS.WritableStream);
  let last: ProgressState | undefined;
  let shownAt = Date.now();
  const draw = () => {
    if (!last) return;
    render(progressLine({ ...last, elapsedSeconds: last.elapsedSeconds + (Date.now() - shownAt) / 1000 }));
  };
  const ticker = setInterval(draw, 1000);
  ticker.unref();
  return {
    update: (state) => {
      last = state;
      shownAt = Date.now();
      draw();
    },
    done: (state) => {
      clearInterval(ticker);
      render(progressLine(state));
      render.done();
    },
  };
};

/** One line per status change, and the last state. */
const plainProgress = (stream: OutputStream): Progress => {
  let lastStatus: string | undefined;
  return {
    update: (state) => {
      if (state.status === lastStatus) return;
      lastStatus = state.status;
      stream.write(`${progressLine(state)}\n`);
    },
    done: (state) => {
      stream.write(`${progressLine(state)}\n`);
    },
  };
};

/**
 * The live line on a terminal; plain lines elsewhere, and on a pseudo-terminal that reports no size (`script`, some
 * CI runners), where log-update would draw nothing at all.
 */
export const createProgress = (stream: OutputStream): Progress =>
  stream.isTTY && stream.rows !== 0 && stream.columns !== 0 ? liveProgress(stream) : plainProgress(stream);
