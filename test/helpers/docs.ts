/** A page of the reference in docs/, so tests can hold its tables to the code. */
import { readFile } from 'node:fs/promises';

export async function docPage(name: string): Promise<string> {
  return readFile(new URL(`../../docs/${name}.md`, import.meta.url), 'utf8');
}
