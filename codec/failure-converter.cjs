'use strict';
// Loaded by path (DataConverter.failureConverterPath): the SDK require()s it in clients and workers, and
// webpack bundles it into the workflow sandbox. CommonJS because require() cannot load the project's ESM
// under jest. Error messages and stack traces move into an encoded payload, so the codec encrypts them too.
const { DefaultFailureConverter } = require('@temporalio/common');

exports.failureConverter = new DefaultFailureConverter({ encodeCommonAttributes: true });
