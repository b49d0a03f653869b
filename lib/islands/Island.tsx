/**
 * Server side of islands: `<Island of={Component} props={…} />` renders the component to HTML inside a
 * marker element and writes its props as JSON beside it, for lib/islands/client.ts to hydrate.
 */
import type { ComponentType } from "preact";

const registered = new Map<ComponentType<never>, string>();

/** Records the islands' components under their file names; called once at boot with islands/ loaded. */
export function registerIsland(name: string, component: ComponentType<never>): void {
  registered.set(component, name);
}

type IslandProps<P> = { of: ComponentType<P>; props: P };

export function Island<P extends object>({ of: Component, props }: IslandProps<P>) {
  const name = registered.get(Component as ComponentType<never>);
  if (!name) throw new Error(`${Component.name} is not an island: default-export it from islands/`);
  return (
    <>
      <div data-island={name}>
        <Component {...props} />
      </div>
      <script
        type="application/json"
        data-island-props=""
        dangerouslySetInnerHTML={{ __html: serialise(props) }}
      />
    </>
  );
}

/**
 * JSON that is safe inside <script>: "<", ">", "&" and the JS line separators are escaped, so no prop value
 * can close the element. Functions, symbols and class instances other than Date are refused, not dropped.
 */
export function serialise(value: unknown): string {
  assertSerialisable(value, "props");
  return JSON.stringify(value)
    .replace(/</g, "\\u003c")
    .replace(/>/g, "\\u003e")
    .replace(/&/g, "\\u0026")
    .replace(/\u2028/g, "\\u2028")
    .replace(/\u2029/g, "\\u2029");
}

function assertSerialisable(value: unknown, path: string): void {
  if (value === null || ["string", "number", "boolean"].includes(typeof value)) return;
  if (typeof value === "function" || typeof value === "symbol" || typeof value === "bigint") {
    throw new TypeError(`Island ${path} is a ${typeof value}; island props must be JSON`);
  }
  if (value === undefined) return;
  if (value instanceof Date) return;
  if (Array.isArray(value)) return value.forEach((item, i) => assertSerialisable(item, `${path}[${i}]`));
  const proto = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) {
    throw new TypeError(
      `Island ${path} is a ${proto?.constructor?.name ?? "class instance"}; use plain objects`,
    );
  }
  for (const [key, item] of Object.entries(value as Record<string, unknown>)) {
    assertSerialisable(item, `${path}.${key}`);
  }
}
