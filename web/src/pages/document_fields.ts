// A recognised field's name in words: "total" -> "Total", "items[0].unit_price" -> "Unit price (line 1)".

/** The I18n's `label` and `t` as far as field names need them. */
type Label = (prefix: string, value: string) => string;

const INDEXED = /^(?<list>[a-z_]+)\[(?<index>\d+)\](?:\.(?<part>[a-z_]+))?$/;
// A list's element named by the list itself ("containers[1]" is a container), or by its part on a line.
const ELEMENT: Record<string, string> = { containers: "container" };

export function fieldLabel(name: string, label: Label, line: string): string {
  const found = INDEXED.exec(name)?.groups;
  if (!found?.list || found.index === undefined) return label("documents.fieldNames", name);
  const position = Number(found.index) + 1;
  if (found.part) return `${label("documents.fieldNames", found.part)} (${line} ${position})`;
  return `${label("documents.fieldNames", ELEMENT[found.list] ?? found.list)} ${position}`;
}
