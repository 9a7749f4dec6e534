'use strict';

const express = require('express');

const app = express();
const port = Number(process.env.PORT || {{ cookiecutter.port }});

app.get('/', (req, res) => {
  res.json({ service: '{{ cookiecutter.project_slug }}', ok: true });
});

app.get('/healthz', (req, res) => {
  res.type('text').send('ok');
});

const server = app.listen(port, () => {
  console.log(`{{ cookiecutter.project_slug }} listening on ${port}`);
});

// tini (PID 1 in the image) forwards SIGTERM here: stop accepting, finish, exit.
process.on('SIGTERM', () => {
  server.close(() => process.exit(0));
});
