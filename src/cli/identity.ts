/**
 * The person `tmates token`, `tmates run` and `tmates chat` act as when no `--email` is given: one
 * default, so that the README's terminal examples, run in order, are one person's (what `run`
 * stores, a later `chat --token "$(tmates token)"` sees). `.localdomain` is never a real mailbox.
 */
export const DEFAULT_CLI_EMAIL = 'you@localhost.localdomain';
