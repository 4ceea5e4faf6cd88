/** One sample of a Prometheus text exposition: `name{labels} value`. */
export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** Parses the Prometheus text format (0.0.4) into samples; comments and blank lines are skipped. */
export function parseMetrics(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)/.exec(line);
    if (!match) throw new Error(`not a Prometheus sample: ${line}`);
    const labels: Record<string, string> = {};
    for (const [, key, value] of (match[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels[key!] = value!;
    samples.push({ name: match[1]!, labels, value: Number(match[3]) });
  }
  return samples;
}

/** Sum of the samples named `name` whose labels include `labels` (0 when none). */
export function total(samples: Sample[], name: string, labels: Record<string, string> = {}): number {
  return samples
    .filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))
    .reduce((sum, s) => sum + s.value, 0);
}

/** Whether any sample is named `name`. */
export function has(samples: Sample[], name: string): boolean {
  return samples.some((s) => s.name === name);
}

/** GETs `/metrics` at `base` (with the bearer `token` when given) and parses it. */
export async function scrape(base: string, token?: string): Promise<Sample[]> {
  const response = await fetch(`${base}/metrics`, { headers: token ? { authorization: `Bearer ${token}` } : {} });
  if (response.status !== 200) throw new Error(`/metrics answered ${response.status}: ${await response.text()}`);
  if (!response.headers.get('content-type')?.startsWith('text/plain')) throw new Error(`unexpected content type ${response.headers.get('content-type')}`);
  return parseMetrics(await response.text());
}

/** Scrapes until `done` holds for the samples (or `ms` passes) and returns the last scrape. */
export async function scrapeUntil(base: string, token: string | undefined, done: (samples: Sample[]) => boolean, ms = 10_000): Promise<Sample[]> {
  const deadline = Date.now() + ms;
  for (;;) {
    const samples = await scrape(base, token);
    if (done(samples) || Date.now() > deadline) return samples;
    await new Promise((r) => setTimeout(r, 25));
  }
}
