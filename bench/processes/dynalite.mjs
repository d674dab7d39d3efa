// dynalite in its own process for benchmarks (so it does not share the load generator's core).
// Usage: node dynalite.mjs PORT -> prints "ready PORT"
import dynalite from 'dynalite';

const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
server.listen(Number(process.argv[2] ?? 0), '127.0.0.1', () => console.log(`ready ${server.address().port}`));
