/** Errors the SDK throws. Each carries a `hint` (what to do next) when there is one. */

export class HeadroomError extends Error {
  /** The engine's error class (`UsageError`, `NotFound`, …) or the SDK's own. */
  readonly type: string;
  readonly hint: string;
  constructor(message: string, options: { type?: string; hint?: string } = {}) {
    super(options.hint ? `${message}\n${options.hint}` : message);
    this.name = 'HeadroomError';
    this.type = options.type ?? 'HeadroomError';
    this.hint = options.hint ?? '';
  }
}

/** The `headroom` command could not be started: it is not installed, or not where the SDK looked. */
export class HeadroomNotInstalledError extends HeadroomError {
  readonly command: string;
  constructor(command: string, detail: string) {
    super(`headroom is not installed (could not run ${JSON.stringify(command)}: ${detail})`, {
      type: 'HeadroomNotInstalled',
      hint: INSTALL_HINT,
    });
    this.name = 'HeadroomNotInstalledError';
    this.command = command;
  }
}

/** The engine ended, or answered something the SDK cannot read. */
export class EngineError extends HeadroomError {
  constructor(message: string, hint = '') {
    super(message, { type: 'EngineError', hint });
    this.name = 'EngineError';
  }
}

export const INSTALL_HINT =
  'Install the engine: `pip install headroom-proxy` (it is not on PyPI yet: `pip install -e .` in a clone of ' +
  'headroom, or `pip install <wheel>`), then make `headroom` reachable: on PATH, or set HEADROOM_COMMAND to the ' +
  'executable (e.g. /path/to/.venv/bin/headroom), or pass { command: [...] } to configure().';
