import { Document } from 'yaml';
import { buildAsyncApiDocument, type AsyncApiDocumentOptions } from './asyncapi-document.builder';

/** Where `npm run asyncapi` writes the document, relative to the project root. */
export const ASYNCAPI_DOCUMENT_PATH = 'docs/asyncapi.yaml';

/** The AsyncAPI document as YAML, as committed in {@link ASYNCAPI_DOCUMENT_PATH}. */
export function renderAsyncApiYaml(options: AsyncApiDocumentOptions = {}): string {
  const document = new Document(buildAsyncApiDocument(options));
  document.commentBefore =
    ' Generated from libs/contracts (event catalogue and broker names) by `npm run asyncapi`. Do not edit.';
  // No line folding: long descriptions stay on one line, so diffs show what changed.
  return document.toString({ lineWidth: 0 });
}
