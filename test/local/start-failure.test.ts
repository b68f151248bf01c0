// What `npm start` says when it cannot start: a port in use names the variable that moves it.
import { startFailureMessage } from '../../local/start';

const inUse = (port: number) =>
  Object.assign(new Error(`listen EADDRINUSE: address already in use 127.0.0.1:${port}`), {
    code: 'EADDRINUSE',
    port,
    address: '127.0.0.1',
  });

describe('startFailureMessage', () => {
  it.each([
    [4566, {}, 'the AWS endpoint', 'LOCAL_AWS_PORT=4567'],
    [3000, {}, 'the HTTP API', 'LOCAL_API_PORT=3001'],
    [8080, { LOCAL_API_PORT: '8080' }, 'the HTTP API', 'LOCAL_API_PORT=8081'],
  ])('names the variable for port %i in use', (port, env, what, hint) => {
    // Act
    const message = startFailureMessage(inUse(port), env);

    // Assert
    expect(message).toBe(
      `Port ${port} on 127.0.0.1, for ${what}, is in use: stop what listens there (another npm start?) or choose a free port, e.g. ${hint} npm start`,
    );
  });

  it('keeps the stack of any other failure', () => {
    // Arrange
    const error = new TypeError('boom');

    // Act
    const message = startFailureMessage(error, {});

    // Assert
    expect(message).toMatch(/^The local stack failed to start: TypeError: boom\n\s+at /);
  });
});
