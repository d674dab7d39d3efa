// Run first by `npm ci` (prepare), `npm start`, `npm run demo` and `npm test`: on a Node.js older
// than package.json's engines.node, stop at once with one line, instead of failing later deep
// inside the build or the test runner (on Node 20, vitest dies with "Map.groupBy is not a
// function"). Written in ES5 with no imports, so that an old Node.js can run it to the end.
// 22.12 is the first 22.x that can require() an ES module without a flag (CommonJS Pulumi
// programs load the package that way).
var minimum = [22, 12]; // keep in step with package.json "engines": { "node": ">=22.12" }
var version = process.versions.node;
var parts = version.split('.');
var major = parseInt(parts[0], 10);
var minor = parseInt(parts[1], 10);

if (!(major > minimum[0] || (major === minimum[0] && minor >= minimum[1]))) {
  console.error(
    'modelgate needs Node.js ' +
      minimum.join('.') +
      ' or newer, but this is Node.js v' +
      version +
      ' (' +
      process.execPath +
      '): ' +
      'put Node.js 22 (or newer) first on PATH (e.g. `nvm use 22`) and run the command again.',
  );
  process.exit(1);
}
