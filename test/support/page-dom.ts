/**
 * The DOM that code run inside a Chromium page uses (page.evaluate, insertScript), as types:
 * the project does not load lib.dom, whose globals would then type-check in src/ as well.
 */
export interface PageRect {
  left: number;
  right: number;
  top: number;
  width: number;
}

export interface PageNode {
  textContent: string | null;
  parentElement: PageElement | null;
}

export interface PageElementList extends Iterable<PageElement> {
  length: number;
  forEach(visit: (element: PageElement) => void): void;
}

/** An element, or a template's content (a fragment: children, append). */
export interface PageElement extends PageNode {
  tagName: string;
  children: Iterable<PageElement>;
  childNodes: Iterable<PageNode>;
  attributes: Iterable<{ name: string; value: string }>;
  innerHTML: string;
  clientWidth: number;
  scrollWidth: number;
  nextElementSibling: PageElement | null;
  remove(): void;
  replaceWith(...nodes: PageNode[]): void;
  append(...nodes: PageNode[]): void;
  getAttribute(name: string): string | null;
  setAttribute(name: string, value: string): void;
  removeAttribute(name: string): void;
  closest(selector: string): PageElement | null;
  querySelector(selector: string): PageElement | null;
  querySelectorAll(selector: string): PageElementList;
  getBoundingClientRect(): PageRect;
}

export interface PageTemplate extends PageElement {
  content: PageElement;
}

export interface PageDocument {
  createElement(tag: 'template'): PageTemplate;
  querySelector(selector: string): PageElement | null;
  querySelectorAll(selector: string): PageElementList;
  createRange(): { selectNodeContents(node: PageNode): void; getClientRects(): Iterable<PageRect> };
  createTreeWalker(root: PageNode, whatToShow: number): { nextNode(): PageNode | null };
  fonts: { ready: Promise<unknown> };
}
