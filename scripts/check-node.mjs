// Run first by `npm ci` (prepare), `npm start`, `npm run demo` and `npm test`: on a Node.js older
// than package.json's engines.node, stop at once with one line, instead of failing later deep
// inside the build or the test runner (on Node 20, vitest dies with "Map.groupBy is not a
// function"). Written in ES5 with no imports, so that an old Node.js can run it to the end.
var minimum = 22; // keep in step with package.json "engines": { "node": ">=22" }
var version = process.versions.node;
var major = parseInt(version.split('.')[0], 10);

if (!(major >= minimum)) {
  console.error(
    'modelgate needs Node.js ' + minimum + ' or newer, but this is Node.js v' + version + ' (' + process.execPath + '): ' +
      'put Node.js ' + minimum + ' first on PATH (e.g. `nvm use ' + minimum + '`) and run the command again.'
  );
  process.exit(1);
}
