'use strict';
// Temporal loads a failure converter by path (dataConverter.failureConverterPath), with require() in
// workers and clients and with webpack in the workflow bundle: hence CommonJS, and no TypeScript.
// With encodeCommonAttributes, a failure's message and stack trace move into a payload, which the
// payload codec encrypts; the failure itself then reads "Encoded failure".
const { DefaultFailureConverter } = require('@temporalio/common');

exports.failureConverter = new DefaultFailureConverter({ encodeCommonAttributes: true });
