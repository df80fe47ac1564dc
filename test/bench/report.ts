/** One benchmark figure, printed as one JSON line: {name, value, unit, limit, ratio}. */
export function report(name: string, value: number, unit: string, limit: number | null, ratio?: number): void {
  const r = ratio ?? (limit === null || limit === 0 ? null : value / limit);
  console.log(JSON.stringify({ name, value: round(value), unit, limit: limit === null ? null : round(limit), ratio: r === null ? null : round(r) }));
}

const round = (x: number): number => (Math.abs(x) >= 100 ? Math.round(x) : Math.round(x * 1000) / 1000);
