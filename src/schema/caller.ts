/**
 * Caller: who is asking, as the gateway authenticated them, and what they may touch. A frontend
 * reads `me` to show only the actions the caller's role allows and the accounts it may act on.
 */
import type { Caller, Role, Scope } from '../auth/caller.js';
import { builder } from './builder.js';

export const CallerKindEnum = builder.enumType('CallerKind', {
  values: { SERVICE: { value: 'service' }, PERSON: { value: 'person' } } as const,
});

const RoleEnum = builder.enumType('Role', {
  description: 'Each role includes the ones before it: ADMIN ⊃ OPERATOR ⊃ VIEWER.',
  values: {
    VIEWER: { value: 'viewer', description: 'Every query.' },
    OPERATOR: { value: 'operator', description: 'Also assign, unassign, adjust, update external id, attach a Plesk add-on.' },
    ADMIN: { value: 'admin', description: 'Also create package, cancel package, cancel product instance, detach a Plesk add-on, read the audit trail.' },
  } as const satisfies Record<string, { value: Role; description: string }>,
});

/** null for `'*'`: a list would have to name accounts the gateway cannot enumerate. */
const listed = (scope: Scope): string[] | null => (scope === '*' ? null : scope);

const CallerRef = builder.objectRef<Caller>('Caller').implement({
  description: 'The authenticated caller of this request.',
  fields: (t) => ({
    name: t.exposeString('name', { description: "A service's name in the callers file, or a person's name claim." }),
    kind: t.field({ type: CallerKindEnum, resolve: (caller) => caller.kind }),
    roles: t.field({ type: [RoleEnum], resolve: (caller) => caller.roles }),
    email: t.exposeString('email', { nullable: true, description: "A person's email claim, when the token carries one." }),
    wixAccounts: t.idList({
      nullable: true,
      description: 'The Wix accounts the caller may act on; null: every account.',
      resolve: (caller) => listed(caller.wixAccounts),
    }),
    pleskServers: t.stringList({
      nullable: true,
      description: 'The Plesk servers the caller may act on; null: every server.',
      resolve: (caller) => listed(caller.pleskServers),
    }),
  }),
});

builder.queryField('me', (t) =>
  t.field({
    type: CallerRef,
    description: 'The caller of this request: its roles and what it may act on. Any authenticated caller may ask; no upstream is called.',
    resolve: (_root, _args, ctx) => ctx.caller,
  }),
);
