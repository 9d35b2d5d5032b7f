// The one setting s3ferry writes into the environment (src/config owns process.env): it is read by
// the AWS SDK when a client is built, in this thread and in the worker threads (which copy it).

/**
 * Turns off the SDK's warning that its releases from 2027 will need Node 22. Under Node 20 it
 * would be the first lines of every run's stderr (and of cron mail): noise about a dependency,
 * not about the user's run. A value the user set explicitly is kept.
 */
export function silenceSdkNodeVersionWarning(): void {
  process.env['AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED'] ??= 'true';
}
