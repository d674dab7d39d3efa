/**
 * The `modelgate` package: its Pulumi components, for your own Pulumi program —
 * `import { Gateway, Backend, Policy, Route } from 'modelgate'`.
 */
export * from './components/index.js';
