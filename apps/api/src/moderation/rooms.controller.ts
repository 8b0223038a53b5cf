import { Controller, Delete, Get, HttpCode, Post, Put, Req } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import type { z } from 'zod';
import {
  BlockRoomRequest,
  DeleteRoomQuery,
  IdParams,
  InstanceAccepted,
  MakeRoomAdminRequest,
  PurgeHistoryRequest,
  RoomDetail,
  RoomList,
  RoomListQuery,
  RoomParams,
} from '@hearth/contracts';
import { Audit, Doc, RequirePermission, ValidBody, ValidParams, ValidQuery } from '../common/route-meta';
import { audit, operatorOf } from '../common/request-audit';
import { ModerationService } from './moderation.service';

type Params = z.output<typeof RoomParams>;

/** A Matrix server's rooms; destructive actions repeat the room id and run as jobs. */
@Controller('instances/:id/rooms')
export class RoomsController {
  constructor(private readonly moderation: ModerationService) {}

  @Get()
  @RequirePermission('moderation.read')
  @Doc('The server\'s rooms, most members first; `q` searches names, aliases and ids', RoomList)
  list(@ValidParams(IdParams) params: { id: string }, @ValidQuery(RoomListQuery) query: z.output<typeof RoomListQuery>) {
    return this.moderation.rooms(params.id, query);
  }

  @Get(':roomId')
  @RequirePermission('moderation.read')
  @Doc('One room with its members and whether it is blocked', RoomDetail)
  get(@ValidParams(RoomParams) params: Params) {
    return this.moderation.room(params.id, params.roomId);
  }

  @Put(':roomId/block')
  @RequirePermission('moderation.manage')
  @Audit('room.block', 'instance')
  @Doc('Block or unblock the room: local users cannot join a blocked room', RoomDetail)
  block(@ValidParams(RoomParams) params: Params, @ValidBody(BlockRoomRequest) body: z.output<typeof BlockRoomRequest>, @Req() request: FastifyRequest) {
    audit(request, params.id, { roomId: params.roomId, blocked: body.blocked, reason: body.reason });
    return this.moderation.setBlocked(params.id, params.roomId, body.blocked);
  }

  @Post(':roomId/make-admin')
  @RequirePermission('moderation.manage')
  @HttpCode(200)
  @Audit('room.make-admin', 'instance')
  @Doc('Give a local account the highest power in the room (e.g. when its admins left)', RoomDetail)
  makeAdmin(@ValidParams(RoomParams) params: Params, @ValidBody(MakeRoomAdminRequest) body: z.output<typeof MakeRoomAdminRequest>, @Req() request: FastifyRequest) {
    audit(request, params.id, { roomId: params.roomId, username: body.username, reason: body.reason });
    return this.moderation.makeRoomAdmin(params.id, params.roomId, body.username);
  }

  @Delete(':roomId')
  @RequirePermission('moderation.manage')
  @HttpCode(202)
  @Audit('room.delete', 'instance')
  @Doc('Delete the room (a job): everyone is removed and its history purged; `block` (default true) keeps it from coming back; `confirm` repeats the room id', InstanceAccepted, 202)
  async delete(@ValidParams(RoomParams) params: Params, @ValidQuery(DeleteRoomQuery) query: z.output<typeof DeleteRoomQuery>, @Req() request: FastifyRequest) {
    audit(request, params.id, { roomId: params.roomId, block: query.block, reason: query.reason });
    return this.moderation.deleteRoom(params.id, params.roomId, query.confirm, query.block, operatorOf(request));
  }

  @Post(':roomId/purge-history')
  @RequirePermission('moderation.manage')
  @HttpCode(202)
  @Audit('room.purge-history', 'instance')
  @Doc('Delete the room\'s messages before `before` (a job); `confirm` repeats the room id', InstanceAccepted, 202)
  purge(@ValidParams(RoomParams) params: Params, @ValidBody(PurgeHistoryRequest) body: z.output<typeof PurgeHistoryRequest>, @Req() request: FastifyRequest) {
    audit(request, params.id, { roomId: params.roomId, before: body.before, reason: body.reason });
    return this.moderation.purgeHistory(params.id, params.roomId, body.before, body.confirm, operatorOf(request));
  }
}
