/* eslint-disable */
import * as types from './graphql.js';
import type { TypedDocumentNode as DocumentNode } from '@graphql-typed-document-node/core';

/**
 * Map of all GraphQL operations in the project.
 *
 * This map has several performance disadvantages:
 * 1. It is not tree-shakeable, so it will include all operations in the project.
 * 2. It is not minifiable, so the string of a GraphQL query will be multiple times inside the bundle.
 * 3. It does not support dead code elimination, so it will add unused operations.
 *
 * Therefore it is highly recommended to use the babel or swc plugin for production.
 * Learn more about it here: https://the-guild.dev/graphql/codegen/plugins/presets/preset-client#reducing-bundle-size
 */
type Documents = {
    "fragment FileSummary on File {\n  id\n  name\n  contentType\n  size\n  status\n  error\n  isImage\n  pageCount\n  rowCount\n  textPreview\n  downloadUrl\n  createdAt\n}\n\nquery Files($first: Int, $after: String, $search: String, $status: FileStatus) {\n  files(first: $first, after: $after, search: $search, status: $status) {\n    edges {\n      node {\n        ...FileSummary\n      }\n    }\n    pageInfo {\n      hasNextPage\n      endCursor\n    }\n  }\n}\n\nmutation UploadFile($file: Upload!) {\n  uploadFile(input: {file: $file}) {\n    __typename\n    ... on File {\n      ...FileSummary\n    }\n    ... on Error {\n      message\n    }\n  }\n}\n\nmutation CreateUploadUrl($input: CreateUploadUrlInput!) {\n  createUploadUrl(input: $input) {\n    __typename\n    ... on CreateUploadUrlPayload {\n      uploadUrl\n      uploadMethod\n      uploadHeaders {\n        name\n        value\n      }\n      expiresAt\n      file {\n        id\n      }\n    }\n    ... on Error {\n      message\n    }\n  }\n}\n\nmutation CompleteUpload($fileId: ID!) {\n  completeUpload(input: {fileId: $fileId}) {\n    __typename\n    ... on File {\n      ...FileSummary\n    }\n    ... on Error {\n      message\n    }\n  }\n}\n\nmutation DeleteFile($id: ID!) {\n  deleteFile(input: {id: $id}) {\n    __typename\n    ... on DeleteFilePayload {\n      deletedFileId\n    }\n    ... on Error {\n      message\n    }\n  }\n}": typeof types.FileSummaryFragmentDoc,
    "query ServerInfo {\n  serverInfo {\n    version\n    time\n  }\n}": typeof types.ServerInfoDocument,
};
const documents: Documents = {
    "fragment FileSummary on File {\n  id\n  name\n  contentType\n  size\n  status\n  error\n  isImage\n  pageCount\n  rowCount\n  textPreview\n  downloadUrl\n  createdAt\n}\n\nquery Files($first: Int, $after: String, $search: String, $status: FileStatus) {\n  files(first: $first, after: $after, search: $search, status: $status) {\n    edges {\n      node {\n        ...FileSummary\n      }\n    }\n    pageInfo {\n      hasNextPage\n      endCursor\n    }\n  }\n}\n\nmutation UploadFile($file: Upload!) {\n  uploadFile(input: {file: $file}) {\n    __typename\n    ... on File {\n      ...FileSummary\n    }\n    ... on Error {\n      message\n    }\n  }\n}\n\nmutation CreateUploadUrl($input: CreateUploadUrlInput!) {\n  createUploadUrl(input: $input) {\n    __typename\n    ... on CreateUploadUrlPayload {\n      uploadUrl\n      uploadMethod\n      uploadHeaders {\n        name\n        value\n      }\n      expiresAt\n      file {\n        id\n      }\n    }\n    ... on Error {\n      message\n    }\n  }\n}\n\nmutation CompleteUpload($fileId: ID!) {\n  completeUpload(input: {fileId: $fileId}) {\n    __typename\n    ... on File {\n      ...FileSummary\n    }\n    ... on Error {\n      message\n    }\n  }\n}\n\nmutation DeleteFile($id: ID!) {\n  deleteFile(input: {id: $id}) {\n    __typename\n    ... on DeleteFilePayload {\n      deletedFileId\n    }\n    ... on Error {\n      message\n    }\n  }\n}": types.FileSummaryFragmentDoc,
    "query ServerInfo {\n  serverInfo {\n    version\n    time\n  }\n}": types.ServerInfoDocument,
};

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 *
 *
 * @example
 * ```ts
 * const query = graphql(`query GetUser($id: ID!) { user(id: $id) { name } }`);
 * ```
 *
 * The query argument is unknown!
 * Please regenerate the types.
 */
export function graphql(source: string): unknown;

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "fragment FileSummary on File {\n  id\n  name\n  contentType\n  size\n  status\n  error\n  isImage\n  pageCount\n  rowCount\n  textPreview\n  downloadUrl\n  createdAt\n}\n\nquery Files($first: Int, $after: String, $search: String, $status: FileStatus) {\n  files(first: $first, after: $after, search: $search, status: $status) {\n    edges {\n      node {\n        ...FileSummary\n      }\n    }\n    pageInfo {\n      hasNextPage\n      endCursor\n    }\n  }\n}\n\nmutation UploadFile($file: Upload!) {\n  uploadFile(input: {file: $file}) {\n    __typename\n    ... on File {\n      ...FileSummary\n    }\n    ... on Error {\n      message\n    }\n  }\n}\n\nmutation CreateUploadUrl($input: CreateUploadUrlInput!) {\n  createUploadUrl(input: $input) {\n    __typename\n    ... on CreateUploadUrlPayload {\n      uploadUrl\n      uploadMethod\n      uploadHeaders {\n        name\n        value\n      }\n      expiresAt\n      file {\n        id\n      }\n    }\n    ... on Error {\n      message\n    }\n  }\n}\n\nmutation CompleteUpload($fileId: ID!) {\n  completeUpload(input: {fileId: $fileId}) {\n    __typename\n    ... on File {\n      ...FileSummary\n    }\n    ... on Error {\n      message\n    }\n  }\n}\n\nmutation DeleteFile($id: ID!) {\n  deleteFile(input: {id: $id}) {\n    __typename\n    ... on DeleteFilePayload {\n      deletedFileId\n    }\n    ... on Error {\n      message\n    }\n  }\n}"): (typeof documents)["fragment FileSummary on File {\n  id\n  name\n  contentType\n  size\n  status\n  error\n  isImage\n  pageCount\n  rowCount\n  textPreview\n  downloadUrl\n  createdAt\n}\n\nquery Files($first: Int, $after: String, $search: String, $status: FileStatus) {\n  files(first: $first, after: $after, search: $search, status: $status) {\n    edges {\n      node {\n        ...FileSummary\n      }\n    }\n    pageInfo {\n      hasNextPage\n      endCursor\n    }\n  }\n}\n\nmutation UploadFile($file: Upload!) {\n  uploadFile(input: {file: $file}) {\n    __typename\n    ... on File {\n      ...FileSummary\n    }\n    ... on Error {\n      message\n    }\n  }\n}\n\nmutation CreateUploadUrl($input: CreateUploadUrlInput!) {\n  createUploadUrl(input: $input) {\n    __typename\n    ... on CreateUploadUrlPayload {\n      uploadUrl\n      uploadMethod\n      uploadHeaders {\n        name\n        value\n      }\n      expiresAt\n      file {\n        id\n      }\n    }\n    ... on Error {\n      message\n    }\n  }\n}\n\nmutation CompleteUpload($fileId: ID!) {\n  completeUpload(input: {fileId: $fileId}) {\n    __typename\n    ... on File {\n      ...FileSummary\n    }\n    ... on Error {\n      message\n    }\n  }\n}\n\nmutation DeleteFile($id: ID!) {\n  deleteFile(input: {id: $id}) {\n    __typename\n    ... on DeleteFilePayload {\n      deletedFileId\n    }\n    ... on Error {\n      message\n    }\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query ServerInfo {\n  serverInfo {\n    version\n    time\n  }\n}"): (typeof documents)["query ServerInfo {\n  serverInfo {\n    version\n    time\n  }\n}"];

export function graphql(source: string) {
  return (documents as any)[source] ?? {};
}

export type DocumentType<TDocumentNode extends DocumentNode<any, any>> = TDocumentNode extends DocumentNode<  infer TType,  any>  ? TType  : never;