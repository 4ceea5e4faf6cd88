/**
 * Uploads one file as a GraphQL multipart request (the spec at github.com/jaydenseric/graphql-multipart-request-spec)
 * with XMLHttpRequest, because fetch reports no upload progress. The CSRF header lets Yoga accept it.
 */
import { stringifyDocument } from '@urql/core';
import { WebUploadFileDocument, type WebUploadFileMutation } from '../../generated/graphql.ts';
import { authHeaders } from './client.ts';
import { session } from './session.ts';

export type UploadResult = WebUploadFileMutation['uploadFile'];

export function uploadFile(file: File, onProgress: (fraction: number) => void): Promise<UploadResult> {
  return new Promise((resolve, reject) => {
    const form = new FormData();
    form.append('operations', JSON.stringify({ query: stringifyDocument(WebUploadFileDocument), variables: { file: null } }));
    form.append('map', JSON.stringify({ 0: ['variables.file'] }));
    form.append('0', file, file.name);
    const xhr = new XMLHttpRequest();
    xhr.open('POST', '/graphql');
    for (const [name, value] of Object.entries(authHeaders(session.get()))) xhr.setRequestHeader(name, value);
    xhr.setRequestHeader('x-graphql-yoga-csrf', '1');
    xhr.setRequestHeader('accept', 'application/graphql-response+json, application/json');
    xhr.upload.onprogress = (event) => {
      if (event.lengthComputable) onProgress(event.loaded / event.total);
    };
    xhr.onload = () => {
      try {
        const body = JSON.parse(xhr.responseText) as { data?: { uploadFile: UploadResult }; errors?: Array<{ message: string }> };
        if (body.data?.uploadFile) resolve(body.data.uploadFile);
        else reject(new Error(body.errors?.[0]?.message ?? `Upload failed (HTTP ${xhr.status})`));
      } catch {
        reject(new Error(`Upload failed (HTTP ${xhr.status})`));
      }
    };
    xhr.onerror = () => reject(new Error('Upload failed: the server could not be reached.'));
    xhr.send(form);
  });
}
