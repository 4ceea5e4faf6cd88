import { Link } from 'wouter';
import { useNotifications } from '../notifications.ts';

/** The bell in the app's chrome: a link to /notifications whose name carries the unread count. */
export function Bell({ className = '' }: { className?: string }) {
  const { unreadCount } = useNotifications();
  const label = unreadCount > 0 ? `Notifications, ${unreadCount} unread` : 'Notifications';
  return (
    <Link href="/notifications" className={`bell ${className}`} aria-label={label} title={label}>
      <span aria-hidden="true">🔔</span>
      {unreadCount > 0 && (
        <span className="badge" aria-hidden="true">
          {unreadCount > 99 ? '99+' : unreadCount}
        </span>
      )}
    </Link>
  );
}
