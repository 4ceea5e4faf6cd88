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
  limits: PlanLimits;
}

const GB = 1024 ** 3;

/** The plans the system we replace sold, with the same caps; tokens and storage are new limits. */
export const PLANS = {
  free: { name: 'Free', limits: { teammates: 15, monthlyRuns: 1_000, monthlyTokens: 2_000_000, members: 1, storageBytes: 1 * GB } },
  basic: { name: 'Basic', limits: { teammates: 20, monthlyRuns: 5_000, monthlyTokens: 10_000_000, members: 2, storageBytes: 5 * GB } },
  pro: { name: 'Pro', limits: { teammates: 50, monthlyRuns: 20_000, monthlyTokens: 40_000_000, members: 5, storageBytes: 20 * GB } },
  max: { name: 'Max', limits: { teammates: null, monthlyRuns: 50_000, monthlyTokens: 100_000_000, members: 10, storageBytes: 50 * GB } },
  team: { name: 'Team', limits: { teammates: 100, monthlyRuns: 100_000, monthlyTokens: 200_000_000, members: 50, storageBytes: 100 * GB } },
  business: { name: 'Business', limits: { teammates: 200, monthlyRuns: 250_000, monthlyTokens: 500_000_000, members: 150, storageBytes: 500 * GB } },
  enterprise: { name: 'Enterprise', limits: { teammates: null, monthlyRuns: null, monthlyTokens: null, members: null, storageBytes: null } },
} as const satisfies Record<string, Omit<Plan, 'key'>>;

export type PlanKey = keyof typeof PLANS;
export const PLAN_KEYS = Object.keys(PLANS) as PlanKey[];

export function planByKey(key: PlanKey): Plan {
  return { key, ...PLANS[key], limits: { ...PLANS[key].limits } };
}

/**
 * The plan an organisation is on. Until billing is connected every organisation is on the
 * configured DEFAULT_PLAN (default: enterprise, i.e. no limits, for self-hosters).
 */
export function planOf(services: { config: { defaultPlan: PlanKey } }, _org: { id: string }): Plan {
  return planByKey(services.config.defaultPlan);
}
