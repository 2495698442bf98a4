// Lifecycles declared as transition tables (issue 7, D7): filled in by the transactions work.
export {};
