/**
 * Installs the external tools the tests need when they are missing, from the
 * package registries only (the machine reaches nothing else):
 *
 * - `grpcurl` (pinned) with `go install`, for the reflection test — skipped
 *   with a message where Go is not installed.
 *
 * Idempotent and quick when everything is present. `deno task test` runs it.
 *
 * @module
 */
import { findExecutable, findGrpcurl } from "../tests/_tools.ts";

/** Pinned tool versions. */
export const GRPCURL_VERSION = "v1.9.3";

async function ensureGrpcurl(): Promise<void> {
  if (await findGrpcurl()) return;
  const go = await findExecutable("go", ["/usr/local/go/bin"]);
  if (!go) {
    console.log("grpcurl: not installed and Go is missing; the reflection test will be skipped");
    return;
  }
  console.log(`grpcurl: installing ${GRPCURL_VERSION} with go install ...`);
  const out = await new Deno.Command(go, {
    args: ["install", `github.com/fullstorydev/grpcurl/cmd/grpcurl@${GRPCURL_VERSION}`],
    stdout: "inherit",
    stderr: "inherit",
  }).output();
  if (!out.success) throw new Error(`Cannot install grpcurl: 'go install' exited ${out.code}`);
}

if (import.meta.main) {
  await ensureGrpcurl();
}
