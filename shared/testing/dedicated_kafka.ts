import { eventually, freePort } from "./wait.ts";

/**
 * A Kafka broker of the test's own (single-node KRaft, from the jars deploy/local resolves from
 * Maven Central), on free ports with its own data directory, so a test can stop and restart it
 * without disturbing the shared broker other tests use.
 */
export interface DedicatedKafka {
  readonly brokers: string;
  /** Starts (or restarts, keeping its data) the broker and waits until it accepts connections. */
  start(): Promise<void>;
  /** SIGKILL: the broker is gone at once, as in a crash. */
  kill(): Promise<void>;
  /** Kills it and removes its data. */
  dispose(): Promise<void>;
}

const KAFKA_VERSION = "3.9.2";
const CLUSTER_ID = "Q29MaW5rVGVzdEthZmthMQ";

function javaBin(): string {
  const home = Deno.env.get("KAFKA_JAVA_HOME") ?? Deno.env.get("JAVA_HOME");
  return home ? `${home}/bin/java` : "java";
}

export async function dedicatedKafka(): Promise<DedicatedKafka> {
  const cache = Deno.env.get("COLINK_CACHE") ?? `${Deno.env.get("HOME")}/.cache/colink`;
  const libs = `${cache}/kafka-${KAFKA_VERSION}/libs`;
  try {
    await Deno.stat(`${libs}/kafka_2.13-${KAFKA_VERSION}.jar`);
  } catch {
    throw new Error(`no Kafka jars in ${libs}: run deploy/local/up.sh first`);
  }
  const port = freePort();
  const controller = freePort();
  const dir = await Deno.makeTempDir({ prefix: "colink-kafka-" });
  const props = `${dir}/server.properties`;
  await Deno.writeTextFile(
    props,
    [
      "node.id=1",
      "process.roles=broker,controller",
      `controller.quorum.voters=1@127.0.0.1:${controller}`,
      `listeners=PLAINTEXT://127.0.0.1:${port},CONTROLLER://127.0.0.1:${controller}`,
      `advertised.listeners=PLAINTEXT://127.0.0.1:${port}`,
      "listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT",
      "inter.broker.listener.name=PLAINTEXT",
      "controller.listener.names=CONTROLLER",
      `log.dirs=${dir}/data`,
      "num.partitions=1",
      "offsets.topic.replication.factor=1",
      "offsets.topic.num.partitions=1",
      "transaction.state.log.replication.factor=1",
      "transaction.state.log.min.isr=1",
      "transaction.state.log.num.partitions=1",
      "group.initial.rebalance.delay.ms=0",
      "auto.create.topics.enable=false",
      "",
    ].join("\n"),
  );
  const java = (args: string[]) =>
    new Deno.Command(javaBin(), {
      args: ["-Xms64m", "-Xmx384m", "-XX:TieredStopAtLevel=1", "-cp", `${libs}/*`, ...args],
      stdout: "null",
      stderr: "null",
    });
  const format = await java(["kafka.tools.StorageTool", "format", "-t", CLUSTER_ID, "-c", props])
    .output();
  if (!format.success) throw new Error("formatting the dedicated Kafka's storage failed");
  let child: Deno.ChildProcess | undefined;
  const kill = async () => {
    if (!child) return;
    try {
      child.kill("SIGKILL");
    } catch { /* gone */ }
    await child.status;
    child = undefined;
  };
  return {
    brokers: `127.0.0.1:${port}`,
    async start() {
      child = java(["kafka.Kafka", props]).spawn();
      await eventually(async () => {
        const conn = await Deno.connect({ hostname: "127.0.0.1", port });
        conn.close();
      }, { timeoutMs: 60_000 });
    },
    kill,
    async dispose() {
      await kill();
      await Deno.remove(dir, { recursive: true }).catch(() => {});
    },
  };
}
