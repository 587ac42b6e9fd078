// docs/client-api.md against the code: every TypeScript and JavaScript snippet of the page, and the
// script of the minimal example (docs/examples/minimal.html), is compiled with the TypeScript
// compiler against the library's sources, so a renamed method, event or payload field breaks
// this test instead of the reader's code; every public name of the library (exports, public
// members of the classes, event names, options) must be mentioned on the page; and its links
// must lead to existing headings and files.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { before, describe, it } from 'node:test';
import ts from 'typescript';

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
const clientDir = join(repoRoot, 'packages', 'client');
const docPath = join(repoRoot, 'docs', 'client-api.md');
const examplePath = join(repoRoot, 'docs', 'examples', 'minimal.html');
/**
 * Where the compiled snippets pretend to live (nothing is written there): inside the client
 * package, so `@kurento-room/client` resolves as it does for a user.
 */
const virtualDir = join(clientDir, 'test', '.api-docs');

interface Snippet {
  lang: 'ts' | 'js';
  code: string;
  /** `file:line` of the snippet's first line, for messages. */
  where: string;
}

/** The fenced ```ts and ```js blocks of a Markdown file, and the inline scripts of its ```html blocks. */
function markdownSnippets(markdown: string, file: string): Snippet[] {
  const snippets: Snippet[] = [];
  for (const match of markdown.matchAll(/^```(\w+)\n([\s\S]*?)^```$/gm)) {
    const line = markdown.slice(0, match.index).split('\n').length + 1;
    const [, lang, code] = match as unknown as [string, string, string];
    if (lang === 'ts' || lang === 'js') snippets.push({ lang, code, where: `${file}:${line}` });
    if (lang === 'html') snippets.push(...inlineScripts(code, file, line));
  }
  return snippets;
}

/** The contents of the `<script>` elements without `src` of an HTML text. */
function inlineScripts(html: string, file: string, firstLine = 1): Snippet[] {
  return [...html.matchAll(/<script>([\s\S]*?)<\/script>/g)].map((match) => ({
    lang: 'js' as const,
    code: match[1]!,
    where: `${file}:${firstLine + html.slice(0, match.index).split('\n').length - 1}`,
  }));
}

/**
 * The ambient names the snippets use: the script tag's global `KurentoRoom`, and the objects of
 * the quick start that later snippets refer to (a snippet's own declarations shadow them).
 */
const GLOBALS = `import type { KurentoRoom as Connection, KurentoRoomFactory, Participant, Room, Stream } from '@kurento-room/client';
declare global {
  const KurentoRoom: KurentoRoomFactory & { Room: typeof Room; Participant: typeof Participant; Stream: typeof Stream };
  const kurento: Connection;
  const room: Room;
  const camera: Stream;
}
export {};
`;

interface Checked {
  /** Diagnostics of each snippet, formatted with the snippet's place in the docs. */
  errors: Map<Snippet, string[]>;
  program: ts.Program;
}

/** The repository's compiler options for tests (strict, NodeNext, DOM, the `source` condition). */
function testCompilerOptions(): ts.CompilerOptions {
  const config = ts.getParsedCommandLineOfConfigFile(join(repoRoot, 'tsconfig.tests.json'), {}, {
    ...ts.sys,
    onUnRecoverableConfigFileDiagnostic: (d) => {
      throw new Error(ts.flattenDiagnosticMessageText(d.messageText, '\n'));
    },
  });
  assert.ok(config, 'tsconfig.tests.json parses');
  return { ...config.options, noEmit: true, composite: false, incremental: false };
}

/**
 * Compiles the snippets, each as a module of its own: TypeScript with the repository's strict
 * options, JavaScript with `checkJs` but not strict, since plain JS has no annotations to satisfy
 * `noImplicitAny` or null checks; its use of the library is checked all the same.
 */
function typecheck(snippets: Snippet[]): Checked {
  const strict = testCompilerOptions();
  const ts_ = compile(snippets.filter((s) => s.lang === 'ts'), strict);
  const js = compile(snippets.filter((s) => s.lang === 'js'), { ...strict, allowJs: true, checkJs: true, strict: false, noImplicitAny: false, strictNullChecks: false });
  return { errors: new Map([...ts_.errors, ...js.errors]), program: ts_.program };
}

function compile(snippets: Snippet[], options: ts.CompilerOptions): Checked {
  const files = new Map<string, string>([[join(virtualDir, 'globals.d.ts'), GLOBALS]]);
  const fileOf = new Map<string, Snippet>();
  snippets.forEach((snippet, i) => {
    const path = join(virtualDir, `snippet${i}.${snippet.lang}`);
    // `export {}` makes each snippet a module: its names do not clash with the other snippets'.
    files.set(path, `${snippet.code}\nexport {};\n`);
    fileOf.set(path, snippet);
  });
  const host = ts.createCompilerHost(options);
  const readFile = host.readFile.bind(host);
  const fileExists = host.fileExists.bind(host);
  const getSourceFile = host.getSourceFile.bind(host);
  host.readFile = (path) => files.get(path) ?? readFile(path);
  host.fileExists = (path) => files.has(path) || fileExists(path);
  host.getSourceFile = (path, language, onError, create) => {
    const text = files.get(path);
    return text === undefined ? getSourceFile(path, language, onError, create) : ts.createSourceFile(path, text, language, true);
  };
  const program = ts.createProgram([...files.keys()], options, host);
  const errors = new Map<Snippet, string[]>();
  for (const [path, snippet] of fileOf) {
    const source = program.getSourceFile(path)!;
    const diagnostics = [...program.getSyntacticDiagnostics(source), ...program.getSemanticDiagnostics(source)];
    errors.set(
      snippet,
      diagnostics.map((d) => {
        const line = d.start === undefined ? 0 : source.getLineAndCharacterOfPosition(d.start).line;
        const [file, first] = snippet.where.split(/:(?=\d+$)/);
        return `${file}:${Number(first) + line}: ${ts.flattenDiagnosticMessageText(d.messageText, ' ')}`;
      }),
    );
  }
  const globalsErrors = program.getSemanticDiagnostics(program.getSourceFile(join(virtualDir, 'globals.d.ts')));
  assert.deepEqual(globalsErrors.map((d) => ts.flattenDiagnosticMessageText(d.messageText, ' ')), [], "the snippets' ambient declarations compile");
  return { errors, program };
}

/** Public, documented-to-be names of the library, read from its sources with the compiler. */
function publicNames(program: ts.Program): { where: string; name: string }[] {
  const checker = program.getTypeChecker();
  const index = program.getSourceFile(join(clientDir, 'src', 'index.ts'));
  assert.ok(index, 'the client sources are part of the program');
  const moduleSymbol = checker.getSymbolAtLocation(index)!;
  const names: { where: string; name: string }[] = [];
  const isInternal = (node: ts.Node) => ts.getJSDocTags(node).some((tag) => tag.tagName.text === 'internal');
  const hidden = (node: ts.Node) =>
    ts.canHaveModifiers(node) &&
    (ts.getModifiers(node) ?? []).some((m) => m.kind === ts.SyntaxKind.PrivateKeyword || m.kind === ts.SyntaxKind.ProtectedKeyword);
  const memberName = (name: ts.PropertyName | undefined) =>
    name && (ts.isIdentifier(name) || ts.isStringLiteral(name)) ? name.text : undefined;

  for (const exported of checker.getExportsOfModule(moduleSymbol)) {
    names.push({ where: 'export', name: exported.name });
    const symbol = exported.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(exported) : exported;
    for (const declaration of symbol.declarations ?? []) {
      if (ts.isClassDeclaration(declaration)) {
        for (const member of declaration.members) {
          if (ts.isConstructorDeclaration(member)) {
            // Parameter properties (`readonly wsUri`) are public members too.
            for (const parameter of member.parameters) {
              const name = ts.isIdentifier(parameter.name) ? parameter.name.text : undefined;
              if (name && ts.getModifiers(parameter)?.length && !hidden(parameter)) names.push({ where: `${exported.name} member`, name });
            }
            continue;
          }
          const name = memberName(member.name);
          if (!name || hidden(member) || isInternal(member) || (member.name && ts.isPrivateIdentifier(member.name))) continue;
          names.push({ where: `${exported.name} member`, name });
        }
      }
      // The event maps and the options: each key is an event name or an option.
      if (ts.isInterfaceDeclaration(declaration) && /EventMap$|Options$|^WebRtcPeerView$/.test(exported.name)) {
        for (const member of declaration.members) {
          const name = memberName(member.name);
          if (name && !isInternal(member)) names.push({ where: `${exported.name} key`, name });
        }
      }
    }
  }
  return names;
}

/** Whether `name` appears in an inline code span of the prose, as a name (`room.name`, `publish()`, `'CAMERA'`...). */
function mentioned(spans: string[], name: string): boolean {
  const escaped = name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const token = new RegExp(`(?:^|[\\s.'{(<])${escaped}(?:$|[\\s(?:<'},\\[])`);
  return spans.some((span) => token.test(span));
}

/** GitHub's anchors of a Markdown file's headings: lower case, punctuation dropped, spaces to hyphens, repeats numbered. */
function headingAnchors(markdown: string): Set<string> {
  const anchors = new Set<string>();
  const seen = new Map<string, number>();
  for (const match of markdown.replace(/^```[\s\S]*?^```$/gm, '').matchAll(/^#{1,6} (.+)$/gm)) {
    const base = match[1]!.trim().toLowerCase().replace(/[^\p{L}\p{N} _-]/gu, '').replace(/ /g, '-');
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    anchors.add(n === 0 ? base : `${base}-${n}`);
  }
  return anchors;
}

describe('the client API reference, docs/client-api.md', () => {
  const doc = readFileSync(docPath, 'utf8');
  const docSnippets = markdownSnippets(doc, 'docs/client-api.md');
  const exampleSnippets = inlineScripts(readFileSync(examplePath, 'utf8'), 'docs/examples/minimal.html');
  // Proof that the check can fail: a wrong event payload field, in each language.
  const broken: Snippet[] = [
    { lang: 'ts', code: "room.on('stream-added', (e) => e.strem);", where: 'broken.ts:1' },
    { lang: 'js', code: "room.addEventListener('newMessage', function (e) { console.log(e.text); });", where: 'broken.js:1' },
  ];
  let checked: Checked;

  before(() => {
    checked = typecheck([...docSnippets, ...exampleSnippets, ...broken]);
  });

  it('has TypeScript and JavaScript snippets, and the example has its script', () => {
    assert.ok(docSnippets.filter((s) => s.lang === 'ts').length >= 10, `${docSnippets.length} snippets found`);
    assert.ok(docSnippets.some((s) => s.lang === 'js'));
    assert.equal(exampleSnippets.length, 1, 'the minimal example has one inline script');
  });

  it('every snippet of the page compiles against the library', () => {
    const errors = docSnippets.flatMap((s) => checked.errors.get(s)!);
    assert.deepEqual(errors, []);
  });

  it("the minimal example's script compiles against the library", () => {
    assert.deepEqual(checked.errors.get(exampleSnippets[0]!), []);
  });

  it('a snippet that misuses the API is caught', () => {
    assert.match(checked.errors.get(broken[0]!)!.join('\n'), /Property 'strem' does not exist/);
    assert.match(checked.errors.get(broken[1]!)!.join('\n'), /Property 'text' does not exist/);
  });

  it('mentions every public name of the library', () => {
    const prose = doc.replace(/^```[\s\S]*?^```$/gm, '');
    const spans = [...prose.matchAll(/`([^`\n]+)`/g)].map((m) => m[1]!);
    const names = publicNames(checked.program);
    for (const expected of ['Room member', 'Stream member', 'RoomEventMap key', 'KurentoRoomOptions key', 'KurentoRoomClient member']) {
      assert.ok(names.some((n) => n.where === expected), `found ${expected}s in the sources`);
    }
    assert.ok(names.some((n) => n.name === 'stream-property-changed'), 'event names are read from RoomEventMap');
    const missing = names.filter((n) => !mentioned(spans, n.name)).map((n) => `${n.where} ${n.name}`);
    assert.deepEqual([...new Set(missing)], [], 'public names the page does not mention');
    assert.equal(mentioned(spans, 'noSuchMethodAnywhere'), false);
  });

  it('its links lead somewhere: headings of the page, files of the repository and their headings', () => {
    const prose = doc.replace(/^```[\s\S]*?^```$/gm, '');
    const links = [...prose.matchAll(/\]\(([^)\s]+)\)/g)].map((m) => m[1]!).filter((l) => !/^[a-z]+:/.test(l));
    assert.ok(links.length > 20, `${links.length} links`);
    const broken = links.filter((link) => {
      const [file, anchor] = link.split('#') as [string, string | undefined];
      const path = file === '' ? docPath : join(dirname(docPath), file);
      if (!existsSync(path)) return true;
      return anchor !== undefined && !headingAnchors(readFileSync(path, 'utf8')).has(anchor);
    });
    assert.deepEqual(broken, []);
    assert.ok(!headingAnchors(doc).has('no-such-heading'));
  });
});
