// The anonymisation rule for aggregates (issue 7, D3): filled in by the assets statistics work.
export {};
