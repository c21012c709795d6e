/**
 * `deno task proto`: generates `proto/gen/` from the .proto files.
 *
 * - TypeScript types for every message and service, by
 *   `@grpc/proto-loader`'s `proto-loader-gen-types`, with the same options the
 *   runtime loader uses (`proto/options.ts`).
 * - `descriptor_set.ts`: the files' `FileDescriptorSet`, embedded as base64,
 *   from which the proxy and plugins build their service definitions and
 *   server reflection at run time — no .proto file is read at run time, so a
 *   `deno compile`d binary needs nothing beside it.
 *
 * `deno task proto --check` generates into a temporary folder and fails if
 * `proto/gen/` differs (the test task runs it, so stale code cannot land).
 *
 * @module
 */
import { loadSync, type MessageTypeDefinition } from "@grpc/proto-loader";
import descriptorModule from "protobufjs/ext/descriptor/index.js";
import protobuf from "protobufjs/index.js";
import { PROTO_FILES, PROTO_LOADER_OPTIONS } from "../proto/options.ts";
import { encodeBase64 } from "./_base64.ts";

const PROTO_DIR = new URL("../proto/", import.meta.url).pathname;
const GEN_DIR = new URL("../proto/gen/", import.meta.url).pathname;
const CONFIG = new URL("../deno.json", import.meta.url).pathname;
const GEN_TYPES = "npm:@grpc/proto-loader@0.8.1/proto-loader-gen-types";

async function run(cmd: string, args: string[]): Promise<void> {
  const out = await new Deno.Command(cmd, { args, stdout: "piped", stderr: "piped" }).output();
  if (!out.success) {
    throw new Error(
      `Cannot generate protobuf code as '${cmd} ${args.join(" ")}' failed: ${
        new TextDecoder().decode(out.stderr)
      }`,
    );
  }
}

/** Encodes `FileDescriptorSet { repeated FileDescriptorProto file = 1; }`. */
function encodeDescriptorSet(files: Uint8Array[]): Uint8Array {
  const parts: number[] = [];
  for (const file of files) {
    parts.push(0x0a);
    let n = file.length;
    while (n > 0x7f) {
      parts.push((n & 0x7f) | 0x80);
      n >>>= 7;
    }
    parts.push(n);
    for (const b of file) parts.push(b);
  }
  return new Uint8Array(parts);
}

interface FieldDescriptor {
  name: string;
  typeName?: string;
  oneofIndex?: number;
  proto3_optional?: boolean;
}
interface MessageDescriptor {
  name: string;
  field?: FieldDescriptor[];
  nestedType?: MessageDescriptor[];
  oneofDecl?: { name: string }[];
  options?: { mapEntry?: boolean };
}
interface FileDescriptor {
  name: string;
  package?: string;
  messageType?: MessageDescriptor[];
}
interface DescriptorCodec {
  decode(bytes: Uint8Array): FileDescriptor;
  encode(file: FileDescriptor): { finish(): Uint8Array };
}
const FileDescriptorProto =
  (descriptorModule as unknown as { FileDescriptorProto: DescriptorCodec })
    .FileDescriptorProto;

/**
 * Repairs what protobufjs gets wrong when it writes descriptors, so that
 * strict consumers (Go's protobuf in grpcurl and ghz, via reflection or
 * `--protoset`) accept them:
 * - map entry types must be named `<CamelCaseField>Entry` (protobufjs names
 *   them after the field);
 * - proto3 `optional` fields must carry `proto3_optional` (protobufjs drops it).
 */
function repairFile(bytes: Uint8Array): Uint8Array {
  const file = FileDescriptorProto.decode(bytes);
  const fixMessage = (msg: MessageDescriptor, scope: string) => {
    const full = `${scope}.${msg.name}`;
    const renamed = new Map<string, string>();
    for (const nested of msg.nestedType ?? []) {
      if (!nested.options?.mapEntry) continue;
      // protobufjs writes the field's type name relative to the message.
      const names = [nested.name, `${full}.${nested.name}`];
      const field = (msg.field ?? []).find((f) => names.includes(f.typeName ?? ""));
      if (!field) continue;
      const want = field.name.split("_").map((w) =>
        w.charAt(0).toUpperCase() + w.slice(1)
      ).join("") +
        "Entry";
      for (const n of names) renamed.set(n, `${full}.${want}`);
      nested.name = want;
    }
    for (const f of msg.field ?? []) {
      if (f.typeName && renamed.has(f.typeName)) f.typeName = renamed.get(f.typeName);
      const oneof = f.oneofIndex !== undefined ? msg.oneofDecl?.[f.oneofIndex] : undefined;
      if (oneof && oneof.name === `_${f.name}`) f.proto3_optional = true;
    }
    for (const nested of msg.nestedType ?? []) fixMessage(nested, full);
  };
  for (const msg of file.messageType ?? []) fixMessage(msg, `.${file.package}`);
  return FileDescriptorProto.encode(file).finish();
}

/**
 * The protobufjs JSON form of every file, from which the runtime builds its
 * definitions (`@grpc/proto-loader`'s `fromJSON`). protobufjs cannot rebuild
 * map fields from binary descriptors, so the runtime never loads those.
 */
function descriptorJson(): unknown {
  const root = new protobuf.Root();
  root.resolvePath = (_origin: string, target: string) =>
    target.startsWith(PROTO_DIR) ? target : `${PROTO_DIR}${target}`;
  root.loadSync(PROTO_FILES.map((f) => `${PROTO_DIR}${f}`), { keepCase: true });
  root.resolveAll();
  return root.toJSON();
}

function descriptorSet(): Uint8Array {
  const pkg = loadSync([...PROTO_FILES], { ...PROTO_LOADER_OPTIONS, includeDirs: [PROTO_DIR] });
  // Every message definition carries the descriptors of all loaded files.
  const message = Object.values(pkg).find((d) => "format" in d) as MessageTypeDefinition<
    object,
    object
  >;
  const seen = new Map<string, Uint8Array>();
  for (const bytes of message.fileDescriptorProtos) {
    const key = encodeBase64(bytes);
    if (!seen.has(key)) seen.set(key, repairFile(new Uint8Array(bytes)));
  }
  // Sorted so that the output does not depend on the loader's iteration order.
  return encodeDescriptorSet(
    [...seen.entries()].sort(([a], [b]) => a < b ? -1 : 1).map((e) => e[1]),
  );
}

async function generate(outDir: string): Promise<void> {
  await Deno.remove(outDir, { recursive: true }).catch(() => {});
  await Deno.mkdir(outDir, { recursive: true });
  await run(Deno.execPath(), [
    "run",
    // The generator's file lookups fail under narrower permissions on Deno 2.9.
    "--allow-all",
    GEN_TYPES,
    ...PROTO_FILES,
    "--keepCase",
    "--longs=Number",
    "--enums=String",
    "--defaults",
    "--grpcLib=@grpc/grpc-js",
    "--includeComments",
    "--importFileExtension=.ts",
    "--targetFileExtension=.ts",
    `--outDir=${outDir}`,
    "--includeDirs",
    PROTO_DIR.replace(/\/$/, ""),
  ]);
  await relativizeHeaders(outDir);
  const b64 = encodeBase64(descriptorSet());
  await Deno.writeTextFile(
    `${outDir}/descriptor_set.ts`,
    `// Generated by \`deno task proto\` from proto/**/*.proto. Do not edit.\n` +
      `/** The FileDescriptorSet of every Prism .proto file, base64-encoded (for reflection and --protoset). */\n` +
      `export const DESCRIPTOR_SET_BASE64 =\n  "${b64}";\n`,
  );
  await Deno.writeTextFile(
    `${outDir}/descriptor_json.ts`,
    `// Generated by \`deno task proto\` from proto/**/*.proto. Do not edit.\n` +
      `/** Every Prism .proto file in protobufjs JSON form (for the runtime loader). */\n` +
      `export const DESCRIPTOR_JSON: Record<string, unknown> = ${
        JSON.stringify(descriptorJson())
      };\n`,
  );
  await run(Deno.execPath(), ["fmt", "--quiet", "--config", CONFIG, outDir]);
}

/** The generator writes absolute .proto paths into its headers; keep the output clone-independent. */
async function relativizeHeaders(dir: string): Promise<void> {
  for (const [name, text] of await readTree(dir)) {
    const fixed = text.replaceAll(PROTO_DIR, "proto/");
    if (fixed !== text) await Deno.writeTextFile(`${dir}/${name}`, fixed);
  }
}

const REFLECTION_V1 = `${PROTO_DIR}grpc/reflection/v1/reflection.proto`;
const REFLECTION_V1ALPHA = `${PROTO_DIR}grpc/reflection/v1alpha/reflection.proto`;

/**
 * `grpc.reflection.v1alpha` is `v1` under its earlier package name (tools
 * such as older grpcurl and ghz still ask for it): derived from v1 here
 * rather than kept by hand.
 */
async function reflectionV1alpha(): Promise<string> {
  const v1 = await Deno.readTextFile(REFLECTION_V1);
  const body = v1.replace("package grpc.reflection.v1;", "package grpc.reflection.v1alpha;");
  if (body === v1) {
    throw new Error(`Cannot derive v1alpha: no 'package grpc.reflection.v1;' in ${REFLECTION_V1}`);
  }
  return `// Generated by \`deno task proto\` from grpc/reflection/v1/reflection.proto. Do not edit.\n${body}`;
}

async function readTree(dir: string, prefix = ""): Promise<Map<string, string>> {
  const files = new Map<string, string>();
  for await (const entry of Deno.readDir(dir)) {
    const path = `${dir}/${entry.name}`;
    if (entry.isDirectory) {
      for (const [k, v] of await readTree(path, `${prefix}${entry.name}/`)) files.set(k, v);
    } else files.set(`${prefix}${entry.name}`, await Deno.readTextFile(path));
  }
  return files;
}

if (import.meta.main) {
  if (Deno.args.includes("--check")) {
    if ((await Deno.readTextFile(REFLECTION_V1ALPHA)) !== await reflectionV1alpha()) {
      console.error(`${REFLECTION_V1ALPHA} is stale: run 'deno task proto'`);
      Deno.exit(1);
    }
    const tmp = await Deno.makeTempDir({ prefix: "prism-proto-" });
    try {
      await generate(tmp);
      const want = await readTree(tmp);
      const have = await readTree(GEN_DIR).catch(() => new Map<string, string>());
      const stale = [...new Set([...want.keys(), ...have.keys()])]
        .filter((f) => want.get(f) !== have.get(f));
      if (stale.length > 0) {
        console.error(
          `proto/gen is stale (${stale.length} files differ, e.g. ${
            stale[0]
          }): run 'deno task proto'`,
        );
        Deno.exit(1);
      }
      console.log("proto/gen is up to date");
    } finally {
      await Deno.remove(tmp, { recursive: true });
    }
  } else {
    await Deno.writeTextFile(REFLECTION_V1ALPHA, await reflectionV1alpha());
    await generate(GEN_DIR);
    console.log(`generated ${GEN_DIR}`);
  }
}
