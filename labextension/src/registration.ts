/**
 * What the register command records: the notebook without its trailing empty
 * cells (the blank cell JupyterLab leaves after the last run is not content),
 * and the sentence that says so. The REST route stores exactly what it is
 * sent; the leaving out happens here. Pure: unit-tested in
 * tests/registration.spec.ts.
 */

/** The parts of a cell this reads (nbformat JSON). */
export interface ICellSource {
  source: string | string[];
  outputs?: unknown[];
}

function text(source: string | string[]): string {
  return Array.isArray(source) ? source.join('') : source;
}

/** How many cells at the end hold only whitespace (and no outputs). */
export function trailingEmptyCells(cells: ICellSource[]): number {
  let n = 0;
  for (let i = cells.length - 1; i >= 0; i--) {
    const cell = cells[i];
    if (text(cell.source).trim() !== '' || (cell.outputs?.length ?? 0) > 0) {
      break;
    }
    n++;
  }
  return n;
}

function cells(n: number): string {
  return `${n} cell${n === 1 ? '' : 's'}`;
}

/** "Registered NB-12@v1: 5 cells (left out 1 trailing empty cell)." */
export function describeRegistered(
  ref: string,
  cellCount: number,
  leftOut: number
): string {
  const note =
    leftOut > 0
      ? ` (left out ${leftOut} trailing empty cell${leftOut === 1 ? '' : 's'})`
      : '';
  return `Registered ${ref}: ${cells(cellCount)}${note}.`;
}
