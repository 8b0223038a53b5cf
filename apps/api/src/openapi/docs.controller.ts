import { Controller, Get, Header, Inject } from '@nestjs/common';
import { DiscoveryService, MetadataScanner } from '@nestjs/core';
import { CONFIG } from '../config/config.module';
import type { HearthConfig } from '../config/config';
import { Doc, Public } from '../common/route-meta';
import { buildOpenApi } from './openapi';
import { collectRoutes } from './route-registry';

const SWAGGER_PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Hearth API</title>
<link rel="stylesheet" href="/api/docs/assets/swagger-ui.css"></head>
<body><div id="swagger-ui"></div>
<script src="/api/docs/assets/swagger-ui-bundle.js"></script>
<script src="/api/docs/init.js"></script></body></html>`;

const SWAGGER_INIT = `window.ui = SwaggerUIBundle({ url: '/api/docs/openapi.json', dom_id: '#swagger-ui', withCredentials: true });`;

@Controller('docs')
@Public()
export class DocsController {
  private document?: Record<string, unknown>;

  constructor(
    private readonly discovery: DiscoveryService,
    private readonly scanner: MetadataScanner,
    @Inject(CONFIG) private readonly config: HearthConfig,
  ) {}

  @Get()
  @Header('content-type', 'text/html; charset=utf-8')
  @Doc('Interactive API documentation')
  page(): string {
    return SWAGGER_PAGE;
  }

  @Get('init.js')
  @Header('content-type', 'text/javascript; charset=utf-8')
  @Doc('Swagger UI start-up script (kept out of the page so the CSP can forbid inline scripts)')
  init(): string {
    return SWAGGER_INIT;
  }

  @Get('openapi.json')
  @Doc('This API as an OpenAPI 3.1 document')
  openapi(): Record<string, unknown> {
    this.document ??= buildOpenApi(collectRoutes(this.discovery, this.scanner), this.config.version);
    return this.document;
  }
}
