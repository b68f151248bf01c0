// Configuration from the environment, read once at cold start. Resource identifiers never get a default.
import { ConfigError } from './errors.js';

export const requireEnv = (name: string): string => {
  const value = process.env[name]?.trim();
  if (!value) throw new ConfigError(`Environment variable ${name} is required`);
  return value;
};

export const optionalEnv = (name: string): string | undefined => {
  const value = process.env[name]?.trim();
  return value ? value : undefined;
};

/** A positive number from the environment, or the given default when unset. */
export const numberEnv = (name: string, fallback: number): number => {
  const raw = optionalEnv(name);
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0)
    throw new ConfigError(`Environment variable ${name} must be a positive number, got ${raw}`);
  return value;
};
