// The namespaces nearly every file of the API reads, once for the project (the engine's own namespaces stay per file:
// its result types share names with the wire contracts).
global using System.Text.Json;
global using CompatService.Api.Caching;
global using CompatService.Api.Catalog;
global using CompatService.Api.Errors;
global using CompatService.Api.Ingest;
global using CompatService.Api.Jobs;
global using CompatService.Api.Mapping;
global using CompatService.Api.Matrix;
global using CompatService.Api.Options;
global using CompatService.Api.Security;
global using CompatService.Contracts;
global using CompatService.Data;
global using CompatService.Data.Entities;
global using Microsoft.AspNetCore.Http.HttpResults;
global using Microsoft.AspNetCore.Mvc;
global using Microsoft.EntityFrameworkCore;
global using Microsoft.Extensions.Options;
