/**
 * Locates external tools the tests use.
 *
 * @module
 */

async function isExecutable(path: string): Promise<boolean> {
  try {
    const info = await Deno.stat(path);
    return info.isFile && ((info.mode ?? 0) & 0o111) !== 0;
  } catch {
    return false;
  }
}

/** Finds an executable on PATH or in the given extra folders. */
export async function findExecutable(
  name: string,
  extra: string[] = [],
): Promise<string | undefined> {
  const dirs = [...(Deno.env.get("PATH") ?? "").split(":"), ...extra].filter((d) => d !== "");
  for (const dir of dirs) {
    if (await isExecutable(`${dir}/${name}`)) return `${dir}/${name}`;
  }
  return undefined;
}

/** Where `go install` puts binaries. */
export function goBinDirs(): string[] {
  const dirs: string[] = [];
  const gopath = Deno.env.get("GOPATH");
  if (gopath) dirs.push(`${gopath}/bin`);
  const home = Deno.env.get("HOME");
  if (home) dirs.push(`${home}/go/bin`);
  return dirs;
}

/** Finds `grpcurl` (PATH, then Go's bin folders). */
export function findGrpcurl(): Promise<string | undefined> {
  return findExecutable("grpcurl", goBinDirs());
}
