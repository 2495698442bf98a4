/**
 * Shared by the assets tests. The MPAN builder is an oracle written apart from src/modules/assets/validation.ts on
 * purpose: a mistake in the validator cannot make the tests agree with it.
 */

/** A valid 13-digit MPAN core for a distributor id (10–23): prime-weighted check digit. */
export function mpan(distributor: number, serial: number): string {
  const body = `${distributor}${String(serial).padStart(10, "0")}`;
  const primes = [3, 5, 7, 13, 17, 19, 23, 29, 31, 37, 41, 43];
  const sum = [...body].reduce((total, digit, i) => total + Number(digit) * primes[i]!, 0);
  return `${body}${(sum % 11) % 10}`;
}
