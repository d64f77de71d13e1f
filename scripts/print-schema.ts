/** `npm run schema`: reprints schema.graphql from the code. */
import { writeFileSync } from 'node:fs';
import { printSortedSchema } from '../src/schema/index.js';

const target = new URL('../schema.graphql', import.meta.url);
writeFileSync(target, printSortedSchema());
console.log(`wrote ${target.pathname}`);
