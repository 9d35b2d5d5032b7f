// The rejection of a promise that must fail, for assertions on the error itself.
import assert from 'node:assert/strict';

/** Awaits `promise` and returns what it rejected with; fails the test if it resolves. */
export async function failure(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  assert.fail('expected the promise to reject');
}
