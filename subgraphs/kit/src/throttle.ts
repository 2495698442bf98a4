// An atomic, database-backed throttle (issue 7, D1/D20): filled in by the users work.
export {};
