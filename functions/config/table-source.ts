/**
 * Config source on AWS: the Backend, Policy, Route, Gateway and Secret objects the components
 * wrote as items in the gateway's table. Loaded at cold start, refreshed on an interval, so a
 * `pulumi up` of a Policy changes routing without redeploying the function.
 *
 * Each refresh also has the secrets loader re-check the secrets the config uses, so a rotated
 * provider key or a revoked client key takes effect within one refresh on warm instances too. A
 * refresh where neither the items nor any secret changed keeps the very same config object: the
 * engine keys its per-config caches on that identity.
 *
 * A bad item never takes the gateway down: an item that fails validation is logged and replaced
 * by its last good version (or left out when there is none), a secret that cannot be re-read keeps
 * its last good value, and a config that fails to compile leaves the last good config in place.
 */
import type { AttributeValue, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { queryPartition } from '../state/query-partition.js';
import type { Logger } from '../core/log.js';
import { compileConfig, DEFAULT_NAMESPACE, type SecretSource } from '../model/compile.js';
import type { CompiledConfig } from '../model/config.js';
import type { ManifestObject } from '../model/validate.js';
import { trustedCopy, VALIDATED_ATTRIBUTE } from './validated-copy.js';
import { CONFIG_ATTRIBUTE, CONFIG_PARTITION, SECRET_ARN_ANNOTATION } from '../state/table-layout.js';

const DEFAULT_REFRESH_MS = 10_000;

/** A secret that could not be read or re-checked: its id, and the error's name and message. */
export interface SecretFailure {
  id: string;
  /** No value was held before, so the secret stays missing (rather than keeping its last value). */
  fresh: boolean;
  error: string;
}

/** What one `prepare` found. Ids are what the Secret items name (ARNs on AWS); never values. */
export interface SecretsCheck {
  /** Secrets already held whose value changed: the config must be recompiled with them. */
  changed: readonly string[];
  failed: readonly SecretFailure[];
  warnings?: readonly string[];
}

export interface SecretsLoader {
  /**
   * Makes every secret these objects need available to `source()`: reads what is new and
   * re-checks what it already holds (a failed re-check keeps the last good value). Never throws.
   */
  prepare(objects: readonly ManifestObject[]): Promise<SecretsCheck | undefined>;
  source(objects: readonly ManifestObject[]): SecretSource;
}

interface TableConfigSourceOptions {
  client: DynamoDBClient;
  table: string;
  secrets: SecretsLoader;
  logger: Logger;
  refreshMs?: number;
  now?: () => number;
  onOperation?: (op: 'read') => void;
  /**
   * The handler build whose validated copies (validated-copy.ts) are taken as they are; without
   * one, every item is validated.
   */
  build?: string;
}

type Validator = typeof import('../model/validate.js');

/** The validator (and zod with it), loaded the first time an item needs validating: in the Lambda, a chunk of its own. */
const loadValidator = (): Promise<Validator> => import('../model/validate.js');

export class TableConfigSource {
  private readonly lastGood = new Map<string, ManifestObject>();
  private lastRaw = new Map<string, string>();
  /** The objects `config` was compiled from: recompiled as they are when only a secret changed. */
  private lastObjects: ManifestObject[] = [];
  /** Secrets that changed since `config` was compiled; kept until a compile with them succeeds. */
  private readonly changedSecrets = new Set<string>();
  private config: CompiledConfig | undefined;
  private loadedAt = -Infinity;
  private refreshing: Promise<void> | undefined;
  private readonly refreshMs: number;
  private readonly now: () => number;

  constructor(private readonly options: TableConfigSourceOptions) {
    this.refreshMs = options.refreshMs ?? DEFAULT_REFRESH_MS;
    this.now = options.now ?? Date.now;
  }

  /** The config to serve now. Waits only for the first load; later refreshes run in the background. */
  async current(): Promise<CompiledConfig> {
    if (!this.config) {
      await this.refresh();
      if (!this.config) throw new Error(`no usable config in table ${this.options.table}`);
    } else if (this.now() - this.loadedAt >= this.refreshMs && !this.refreshing) {
      // Lambda freezes between invocations, so a timer cannot be trusted: refresh when asked.
      void this.refresh();
    }
    return this.config;
  }

  /** Reads every config item and swaps the config in when it compiles. Never throws. */
  refresh(): Promise<void> {
    this.refreshing ??= this.load().finally(() => {
      this.refreshing = undefined;
    });
    return this.refreshing;
  }

  private async load(): Promise<void> {
    const started = this.now();
    let items: Array<Record<string, AttributeValue>>;
    try {
      items = await this.readItems();
    } catch (error) {
      this.options.logger.log(
        'error',
        'config_error',
        `config: reading table ${this.options.table} failed (${(error as Error).name}: ${(error as Error).message}); keeping the config loaded ${this.config ? 'before' : '(none yet)'}`,
      );
      this.loadedAt = started; // try again after the interval, not on every request
      return;
    }
    const raw = new Map(items.map((item) => [item.sk?.S ?? '', item[CONFIG_ATTRIBUTE]?.S ?? '']));
    const copies = new Map(items.map((item) => [item.sk?.S ?? '', item[VALIDATED_ATTRIBUTE]?.S]));
    // Unchanged items are not parsed again (that would repeat their warnings): the objects of the
    // config in place are what the secrets are re-checked for.
    const sameObjects = this.config !== undefined && sameItems(raw, this.lastRaw);
    const objects: ManifestObject[] = [];
    if (sameObjects) objects.push(...this.lastObjects);
    else {
      // In the items' order: a validated copy for this build is taken as it is; the rest are validated.
      const slots: Array<ManifestObject | undefined> = [];
      const toValidate: Array<{ at: number; sk: string; json: string }> = [];
      for (const [sk, json] of raw) {
        const trusted = trustedCopy(sk, json, copies.get(sk), this.options.build);
        if (trusted) slots.push(this.taken(sk, trusted.object, trusted.warnings));
        else {
          toValidate.push({ at: slots.length, sk, json });
          slots.push(undefined);
        }
      }
      if (toValidate.length > 0) {
        let validator: Validator;
        try {
          validator = await loadValidator();
        } catch (error) {
          this.options.logger.log(
            'error',
            'config_error',
            `config: the validator could not be loaded (${(error as Error).message}); keeping the config loaded ${this.config ? 'before' : '(none yet)'}`,
          );
          this.loadedAt = started;
          return;
        }
        for (const { at, sk, json } of toValidate) slots[at] = this.parseItem(validator, sk, json);
      }
      for (const object of slots) if (object) objects.push(object);
    }

    let check: SecretsCheck | undefined;
    try {
      check = await this.options.secrets.prepare(objects);
    } catch (error) {
      // A loader should not throw; one that does changes nothing, as a failed table read would not.
      this.options.logger.log(
        'error',
        'config_error',
        `config: reading secrets failed (${(error as Error).name}: ${(error as Error).message}); keeping the config loaded ${this.config ? 'before' : '(none yet)'}`,
      );
      this.loadedAt = started;
      return;
    }
    for (const id of check?.changed ?? []) this.changedSecrets.add(id);
    for (const w of check?.warnings ?? []) this.options.logger.log('warn', 'config_warning', `config: ${w}`);
    const failed = check?.failed ?? [];
    if (failed.length > 0) {
      // One line per refresh however many secrets failed; names and errors only, never a value.
      const kept = failed.filter((f) => !f.fresh).map((f) => f.id);
      const missing = failed.filter((f) => f.fresh).map((f) => f.id);
      this.options.logger.log(
        'error',
        'config_error',
        `config: reading secrets failed: ${failed.map((f) => `${f.id} (${f.error})`).join('; ')}${kept.length > 0 ? `; keeping the last good value of ${kept.join(', ')}` : ''}${missing.length > 0 ? `; what needs ${missing.join(', ')} cannot load until it can be read` : ''}`,
        { secrets: failed.map((f) => f.id) },
      );
    }
    if (sameObjects && this.changedSecrets.size === 0) {
      this.loadedAt = started;
      return;
    }

    try {
      const config = compileConfig(objects, this.options.secrets.source(objects));
      for (const w of config.warnings) this.options.logger.log('warn', 'config_warning', `config: ${w}`);
      const secretsChanged = secretNames(objects, this.changedSecrets);
      this.config = config;
      this.lastRaw = raw;
      this.lastObjects = objects;
      this.changedSecrets.clear();
      this.loadedAt = started;
      this.options.logger.log(
        'info',
        'config_reload',
        `config: loaded ${objects.length} objects from ${this.options.table} (${config.rules.length} route rules, ${config.backends.length} backends) in ${this.now() - started} ms${secretsChanged.length > 0 ? `; secrets changed: ${secretsChanged.join(', ')}` : ''}`,
        {
          objects: objects.length,
          rules: config.rules.length,
          backends: config.backends.length,
          ...(secretsChanged.length > 0 && { secretsChanged }),
        },
      );
    } catch (error) {
      const problems = (error as { problems?: readonly string[] }).problems ?? [(error as Error).message];
      for (const p of problems) this.options.logger.log('error', 'config_error', `config: ${p}`);
      this.options.logger.log('error', 'config_error', `config: the new config does not compile; ${this.config ? 'keeping the last good config' : 'nothing to serve yet'}`);
      this.loadedAt = started;
    }
  }

  /** One item: validated, or its last good version, or nothing — with an error log either way. */
  private parseItem(validator: Validator, sk: string, json: string): ManifestObject | undefined {
    let raw: unknown;
    try {
      raw = JSON.parse(json);
    } catch {
      return this.fallBack(sk, `item ${sk}: the "${CONFIG_ATTRIBUTE}" attribute is not JSON`);
    }
    const result = validator.validateObject(raw);
    if (!result.ok) return this.fallBack(sk, result.issues.map((i) => `item ${sk}: ${validator.formatIssue(result, i)}`).join('; '));
    return this.taken(sk, result.object, result.warnings);
  }

  /** A good object: kept as the item's last good version, its warnings logged. */
  private taken(sk: string, object: ManifestObject, warnings: readonly string[]): ManifestObject {
    this.lastGood.set(sk, object);
    for (const w of warnings) this.options.logger.log('warn', 'config_warning', `config: item ${sk}: ${w}`);
    return object;
  }

  private fallBack(sk: string, problem: string): ManifestObject | undefined {
    const previous = this.lastGood.get(sk);
    this.options.logger.log('error', 'config_error', `config: ${problem}; ${previous ? 'keeping its last good version' : 'skipped'}`);
    return previous;
  }

  private readItems(): Promise<Array<Record<string, AttributeValue>>> {
    // Config changes are rare and a reload is not on the request path: read what is committed.
    return queryPartition(this.options.client, this.options.table, CONFIG_PARTITION, { consistent: true, onPage: () => this.options.onOperation?.('read') });
  }
}

/** `namespace/name (id)` of the Secret items naming each changed secret, for the reload log. */
function secretNames(objects: readonly ManifestObject[], ids: ReadonlySet<string>): string[] {
  if (ids.size === 0) return [];
  const names = objects.flatMap((o) => {
    const id = o.kind === 'Secret' ? o.metadata.annotations?.[SECRET_ARN_ANNOTATION] : undefined;
    return id !== undefined && ids.has(id) ? [`${o.metadata.namespace ?? DEFAULT_NAMESPACE}/${o.metadata.name} (${id})`] : [];
  });
  return names.length > 0 ? names.sort() : [...ids].sort();
}

function sameItems(a: ReadonlyMap<string, string>, b: ReadonlyMap<string, string>): boolean {
  if (a.size !== b.size) return false;
  for (const [k, v] of a) if (b.get(k) !== v) return false;
  return true;
}
