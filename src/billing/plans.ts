/** A limit of null means unlimited. */
export interface PlanLimits {
  teammates: number | null;
  monthlyRuns: number | null;
  monthlyTokens: number | null;
  members: number | null;
  storageBytes: number | null;
}

export interface Plan {
  key: PlanKey;
  name: string;
  /** One line for a pricing page. */
  description: string;
  limits: PlanLimits;
}

const GB = 1024 ** 3;

/** The plans the system we replace sold, with the same caps; tokens and storage are new limits. */
export const PLANS = {
  free: { name: 'Free', description: 'For trying Tmates out alone.', limits: { teammates: 15, monthlyRuns: 1_000, monthlyTokens: 2_000_000, members: 1, storageBytes: 1 * GB } },
  basic: { name: 'Basic', description: 'For one person who works with teammates every day.', limits: { teammates: 20, monthlyRuns: 5_000, monthlyTokens: 10_000_000, members: 2, storageBytes: 5 * GB } },
  pro: { name: 'Pro', description: 'For a small team.', limits: { teammates: 50, monthlyRuns: 20_000, monthlyTokens: 40_000_000, members: 5, storageBytes: 20 * GB } },
  max: { name: 'Max', description: 'Unlimited teammates for a busy small team.', limits: { teammates: null, monthlyRuns: 50_000, monthlyTokens: 100_000_000, members: 10, storageBytes: 50 * GB } },
  team: { name: 'Team', description: 'For teams of up to 50 people.', limits: { teammates: 100, monthlyRuns: 100_000, monthlyTokens: 200_000_000, members: 50, storageBytes: 100 * GB } },
  business: { name: 'Business', description: 'For larger organisations.', limits: { teammates: 200, monthlyRuns: 250_000, monthlyTokens: 500_000_000, members: 150, storageBytes: 500 * GB } },
  enterprise: { name: 'Enterprise', description: 'No limits.', limits: { teammates: null, monthlyRuns: null, monthlyTokens: null, members: null, storageBytes: null } },
} as const satisfies Record<string, Omit<Plan, 'key'>>;

export type PlanKey = keyof typeof PLANS;
export const PLAN_KEYS = Object.keys(PLANS) as PlanKey[];

export function planByKey(key: PlanKey): Plan {
  return { key, ...PLANS[key], limits: { ...PLANS[key].limits } };
}
