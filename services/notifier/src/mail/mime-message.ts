import MailComposer from 'nodemailer/lib/mail-composer';
import type MimeNode from 'nodemailer/lib/mime-node';
import * as base64 from 'nodemailer/lib/base64';
import * as qp from 'nodemailer/lib/qp';
import type { OutgoingMail } from './types.js';

/**
 * One email's whole MIME message (RFC 5322, CRLF line ends) as one buffer. nodemailer builds the tree
 * (`MailComposer`: multipart/alternative, text and HTML parts) and every header block (its address,
 * encoded-word and folding rules, transfer-encoding choice, boundary, Date), and the parts are encoded with
 * its own quoted-printable and base64 functions; only the serialisation is done here, in one synchronous
 * pass, instead of nodemailer's stream pipeline per MIME node (an encoder stream, a pipeline and an abort
 * listener per part, chunks handed on through several turns of the event loop: the largest share of the
 * notifier's CPU per email after the sockets). The bytes are those nodemailer writes with `newline:
 * 'windows'` (mime-message.test.ts compares them). `date` is the Date header's (default now).
 */
export function encodeMessage(mail: OutgoingMail, date: Date = new Date()): Buffer {
  const root = new MailComposer({ ...mail, html: mail.html ?? undefined, date }).compile();
  let message = serialise(root);
  // nodemailer's stream ends every message with a line break.
  if (!message.endsWith('\n')) message += '\r\n';
  return Buffer.from(message.replace(/\r?\n/g, '\r\n'), 'utf8');
}

/** Headers, then the content or the child parts between boundary lines, as nodemailer's MimeNode streams them. */
function serialise(node: MimeNode): string {
  // Building the headers sets the transfer encoding, the multipart flag and the boundary.
  let out = `${node.buildHeaders()}\r\n\r\n`;
  if (!node.multipart) return out + encodedContent(node);
  node.childNodes.forEach((child, i) => {
    out += `${i > 0 ? '\r\n' : ''}--${String(node.boundary)}\r\n${serialise(child)}`;
  });
  return `${out}\r\n--${String(node.boundary)}--\r\n`;
}

function encodedContent(node: MimeNode): string {
  const { content } = node;
  if (content === undefined || content === null || (content as unknown) === '') return '';
  if (typeof content !== 'string' && !Buffer.isBuffer(content))
    throw new TypeError('an email part must be a string or a Buffer');
  switch (node.getTransferEncoding()) {
    case 'quoted-printable':
      return qp.wrap(qp.encode(content), 76);
    case 'base64':
      return base64.wrap(base64.encode(content), 76);
    default:
      return content.toString();
  }
}
