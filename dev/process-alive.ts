/** Whether a process with this pid exists (signal 0 checks without signalling); crash tests assert kills with it. */
export function isAlive(pid: number | undefined): boolean {
  if (!pid) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
